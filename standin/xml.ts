// Just enough XML writing for the Query protocols and S3: escaped text, elements, and EC2's
// `<set><item>..</item></set>` lists. Values that are undefined produce nothing, like AWS omitting
// an absent field.
export function esc(s: string): string {
  return s.replace(/[<>&'"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c]!);
}

type Value = string | number | boolean | undefined | null;

/** `<name>value</name>`, with value escaped; nothing when the value is undefined or null. */
export function el(name: string, value: Value): string {
  return value === undefined || value === null ? '' : `<${name}>${esc(String(value))}</${name}>`;
}

/** `<name>...</name>` around already-rendered children. */
export function wrap(name: string, ...children: string[]): string {
  return `<${name}>${children.join('')}</${name}>`;
}

/** EC2's list shape: `<name><item>..</item>...</name>`. */
export function items<T>(name: string, list: T[], render: (x: T) => string): string {
  return wrap(name, ...list.map((x) => wrap('item', render(x))));
}

export function doc(root: string, xmlns: string | undefined, ...children: string[]): string {
  const ns = xmlns ? ` xmlns="${xmlns}"` : '';
  return `<?xml version="1.0" encoding="UTF-8"?>\n<${root}${ns}>${children.join('')}</${root}>`;
}
