import { TextDecoder } from 'node:util';

/** `text/html; charset="Shift_JIS"` -> `Shift_JIS`. */
const CHARSET = /;\s*charset\s*=\s*"?([^";\s]+)/i;
const UTF8 = new TextDecoder('utf-8');
/** One decoder per label met; only labels TextDecoder knows are kept, so hostile headers cannot grow it. */
const decoders = new Map<string, TextDecoder>([['utf-8', UTF8]]);

/**
 * The body as text, decoded by the charset its Content-Type declares (Shift_JIS, EUC-JP, ISO-2022-JP, GBK, Big5,
 * windows-1252 ...: whatever the WHATWG Encoding Standard names and Node's ICU decodes), so that bodyContains and
 * json compare characters, not bytes. UTF-8 when none is declared or the label is unknown, as browsers do for
 * JSON; a byte order mark is dropped.
 */
export function decodeBody(body: Buffer, contentType: string | undefined): string {
  const label = contentType === undefined ? undefined : CHARSET.exec(contentType)?.[1]?.toLowerCase();
  return decoderFor(label).decode(body);
}

function decoderFor(label: string | undefined): TextDecoder {
  if (label === undefined) return UTF8;
  let decoder = decoders.get(label);
  if (!decoder) {
    try {
      decoder = new TextDecoder(label);
    } catch {
      return UTF8;
    }
    decoders.set(label, decoder);
  }
  return decoder;
}
