/** Finds the page's fixed elements by their data-testid, checking their type, so a broken index.html fails at startup. */

export function byTestId<T extends Element>(root: ParentNode, testId: string, type: abstract new () => T): T {
  const element = root.querySelector(`[data-testid="${testId}"]`);
  if (!(element instanceof type)) throw new TypeError(`index.html needs a ${type.name} with data-testid="${testId}", found ${element === null ? 'none' : element.tagName}`);
  return element;
}
