// Last-in-first-out cleanups (stop servers, delete namespaces and temp folders) that all run even when one fails,
// nested per area so that a Ctrl-C or a failed area still stops everything it started.

type Step = { readonly what: string; readonly step: () => Promise<unknown> };

export class Cleanup {
  #steps: Step[] = [];
  #failures: string[] = [];

  /** Registers a cleanup; the returned function runs it now (once) and unregisters it. */
  defer(what: string, step: () => Promise<unknown> | unknown): () => Promise<void> {
    let done = false;
    const entry: Step = {
      what,
      step: async () => {
        if (done) return;
        done = true;
        await step();
      },
    };
    this.#steps.push(entry);
    return async () => {
      this.#steps = this.#steps.filter((s) => s !== entry);
      await this.#runOne(entry);
    };
  }

  /** A nested scope whose steps run when it is run, or with this one if it never is. */
  scope(what: string): Cleanup {
    const child = new Cleanup();
    const release = this.defer(what, () => child.run());
    child.#onRun = release;
    return child;
  }

  #onRun: (() => Promise<void>) | undefined;

  async run(): Promise<void> {
    while (this.#steps.length > 0) await this.#runOne(this.#steps.pop()!);
    const release = this.#onRun;
    this.#onRun = undefined;
    if (release !== undefined) await release();
    if (this.#failures.length > 0) {
      const failures = this.#failures;
      this.#failures = [];
      throw new Error(`cleanup failed:\n${failures.join('\n')}`);
    }
  }

  async #runOne(entry: Step): Promise<void> {
    try {
      await entry.step();
    } catch (error) {
      this.#failures.push(`${entry.what}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
}
