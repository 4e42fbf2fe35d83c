import { TextDecoder } from 'node:util';

/** `text/html; charset="Shift_JIS"` -> `Shift_JIS`. */
const CHARSET = /;\s*charset\s*=\s*"?([^";\s]+)/i;
const UTF8 = new TextDecoder('utf-8');
/** One decoder per label met; only labels TextDecoder knows are kept, so hostile headers cannot grow it. */
const decoders = new Map<string, TextDecoder>([['utf-8', UTF8]]);

/** How far into an HTML body a `<meta>` charset counts, as the HTML standard's prescan looks (1,024 bytes). */
export const META_PRESCAN_BYTES = 1024;
/** `<meta charset="EUC-JP">`, and `<meta http-equiv="Content-Type" content="text/html; charset=Shift_JIS">`. */
const META_CHARSET = /<meta\s[^>]*?charset\s*=\s*["']?\s*([A-Za-z0-9._:-]+)/i;

/**
 * The body as text, decoded by the charset its Content-Type declares (Shift_JIS, EUC-JP, ISO-2022-JP, GBK, Big5,
 * windows-1252 ...: whatever the WHATWG Encoding Standard names and Node's ICU decodes), so that bodyContains and
 * json compare characters, not bytes. An HTML page whose header names no charset is read by the `<meta charset>` or
 * `<meta http-equiv="Content-Type">` in its first 1,024 bytes, as browsers read it (many Japanese sites declare
 * Shift_JIS or EUC-JP only there). UTF-8 when none is declared or the label is unknown, as browsers do for JSON; a
 * byte order mark is dropped.
 */
export function decodeBody(body: Buffer, contentType: string | undefined): string {
  const declared = contentType === undefined ? undefined : CHARSET.exec(contentType)?.[1]?.toLowerCase();
  return decoderFor(declared ?? metaCharset(body, contentType)).decode(body);
}

/** The charset a `<meta>` tag declares in the prescan window of an HTML (or untyped) body. */
function metaCharset(body: Buffer, contentType: string | undefined): string | undefined {
  const type = contentType?.split(';')[0]?.trim().toLowerCase();
  if (type !== undefined && type !== '' && type !== 'text/html' && type !== 'application/xhtml+xml') return undefined;
  // Every charset's label and the tag around it are ASCII, and latin1 maps each byte to one character.
  const head = body.subarray(0, META_PRESCAN_BYTES).toString('latin1');
  return META_CHARSET.exec(head)?.[1]?.toLowerCase();
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
