/** Removes secrets from text bound for logs, findings and alerts. */
export function redact(text: string, secrets: ReadonlyArray<string | undefined> = []): string {
  let result = text.replace(/(postgres(?:ql)?:\/\/[^:/@\s]+:)[^@\s]+@/gi, '$1***@');
  for (const secret of secrets) {
    if (secret && secret.length >= 3) result = result.split(secret).join('***');
  }
  return result;
}
