/** Console input history with shell-like ↑/↓ navigation; the draft being typed is kept. */
export class InputHistory {
  #entries: string[]
  #pos: number
  #draft = ''

  constructor(entries: string[] = [], readonly max = 100) {
    this.#entries = entries.slice(-max)
    this.#pos = this.#entries.length
  }

  get entries(): readonly string[] {
    return this.#entries
  }

  /** Records a submitted entry (consecutive duplicates collapse) and resets navigation. */
  push(entry: string): void {
    if (entry.trim() !== '' && this.#entries[this.#entries.length - 1] !== entry) {
      this.#entries = [...this.#entries, entry].slice(-this.max)
    }
    this.#pos = this.#entries.length
    this.#draft = ''
  }

  /** The older entry, or null at the oldest. `current` is what the input holds now. */
  previous(current: string): string | null {
    if (this.#pos === 0) return null
    if (this.#pos === this.#entries.length) this.#draft = current
    this.#pos--
    return this.#entries[this.#pos] ?? null
  }

  /** The newer entry, the saved draft after the newest, or null when already at the draft. */
  next(): string | null {
    if (this.#pos >= this.#entries.length) return null
    this.#pos++
    return this.#pos === this.#entries.length ? this.#draft : (this.#entries[this.#pos] ?? null)
  }
}
