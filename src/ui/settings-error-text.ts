/**
 * Settings validation errors (node/settings.ts) name fields by their internal paths
 * (`cus[1]: "nope" is not a URL`, `snapshots.keepPerProcess: …`); the Settings page shows them
 * with the label the person sees next to the field instead.
 */

const LABELS: Record<string, string> = {
  gateway: 'Gateway',
  mu: 'Messenger Unit (MU)',
  su: 'Scheduler Unit (SU)',
  uploader: 'Uploader',
  cus: 'CUs to cross-check results with',
  'snapshots.everyMessages': 'Snapshot every N messages',
  'snapshots.everySeconds': 'Snapshot at least every N seconds',
  'snapshots.keepPerProcess': 'Snapshots kept per process',
  relayRoute: 'Post the messages I sign to',
  blueprintBase: 'Blueprint URL base',
  version: 'Settings',
}

/** The label of settings field `field` (`cus[1]` → "Compute unit 2"); the path itself when unknown. */
export function settingsFieldLabel(field: string): string {
  const cu = /^cus\[(\d+)\]$/.exec(field)
  if (cu) return `Compute unit ${Number(cu[1]) + 1}`
  return LABELS[field] ?? field
}

/** `message` with its leading `<field>: ` (or `settings: `) replaced by the field's label. */
export function settingsErrorText(field: string, message: string): string {
  for (const prefix of [field, 'settings']) {
    if (prefix !== '' && message.startsWith(`${prefix}: `)) return `${settingsFieldLabel(field || prefix)}: ${message.slice(prefix.length + 2)}`
  }
  return message
}
