// XML for the AWS query protocol's responses: a value tree rendered as botocore's query parser
// reads it (lists as <member> elements, timestamps in ISO 8601, booleans as true/false).

/** A value a response may hold: undefined members are left out. */
export type XmlValue = string | number | boolean | Date | undefined | null | XmlValue[] | { [name: string]: XmlValue };

export function escapeXml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!,
  );
}

/** ISO 8601 with whole seconds, as IAM prints dates (2024-01-02T03:04:05Z). */
export function isoTime(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function render(value: XmlValue): string {
  if (value === undefined || value === null) return '';
  if (value instanceof Date) return isoTime(value);
  if (Array.isArray(value)) return value.map((item) => `<member>${render(item)}</member>`).join('');
  if (typeof value === 'object') return elements(value);
  return escapeXml(String(value));
}

/** The members of a structure, each as an element named after it, in the given order. */
export function elements(members: { [name: string]: XmlValue }): string {
  let xml = '';
  for (const [name, value] of Object.entries(members)) {
    if (value === undefined || value === null) continue;
    xml += `<${name}>${render(value)}</${name}>`;
  }
  return xml;
}
