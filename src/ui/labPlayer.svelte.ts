/**
 * One open lab: which step shows, its check results, hints and solution, the lab's instance,
 * and the actions of the player (start, check, next, reset). Checks run through the labs
 * module's checker against the hypervisor; progress changes through the labs module's progress
 * rules and is saved through LabsState on every change. What the instance's state allows (a
 * check inside it, typing into it) is the hypervisor's lifecycle table's answer.
 */
import { checkStep, type StepCheckResult } from "../labs/checker.ts";
import { findLabInstance, labLaunchRequest } from "../labs/instances.ts";
import type { Lab } from "../labs/parse.ts";
import { beginProgress, passStep, reachablePage, recordInstance, revealHint, revealSolution, type LabProgress } from "../labs/progress.ts";
import { decide, unavailableBecause, type Instance } from "../hypervisor/index.ts";
import { toCloudError, type CloudError } from "../shared/errors.ts";
import type { Fleet } from "./fleet.svelte.ts";
import type { LabsState } from "./labs.svelte.ts";

/** How long after a check ends the player checks again by itself. */
const AUTO_CHECK_INTERVAL_MS = 5000;
/** The automatic re-check waits until the terminal has been quiet this long (the person is typing, or a command runs). */
const AUTO_CHECK_QUIET_MS = 1500;

export type CheckSource = "manual" | "auto";

export class LabPlayer {
  readonly lab: Lab;
  readonly #labs: LabsState;
  readonly #fleet: Fleet;
  /** The page shown: -1 the introduction, 0 to steps-1 a step, steps the completion page. */
  viewed = $state(-1);
  /** The last results shown for the viewed step (a pressed Check, or an automatic one that passed or updates shown results). */
  results = $state.raw<StepCheckResult | null>(null);
  /** How the shown results came: pressed Check, or the automatic re-check. */
  resultsSource = $state<CheckSource>("manual");
  /** Bumped whenever results are shown, so the page (and its tests) can tell a new result from the last. */
  resultsShown = $state(0);
  /** A check the person asked for is running (or waits for an automatic one to end). */
  checkingManual = $state(false);
  /** Steps (by index) whose check the person saw fail this session: their hints may be revealed. */
  failedSteps = $state.raw<readonly number[]>([]);
  launching = $state(false);
  error = $state<CloudError | null>(null);

  #inFlight = false;
  #manualQueued = false;
  #lastCheckEndedAt = 0;
  #lastConsoleAt = 0;

  readonly progress = $derived.by(() => this.#labs.progress[this.lab.id] ?? null);
  /**
   * The lab's instance: the one recorded in the progress, else the newest tagged for the lab (or
   * with its Name). A recorded instance that is terminated gives way to a live one found anew
   * (the person terminated a wrong launch and launched again).
   */
  readonly instance = $derived.by((): Instance | undefined => {
    void this.#fleet.instances;
    const hypervisor = this.#fleet.hypervisor;
    const recorded = findLabInstance(hypervisor, this.lab, { instanceId: this.progress?.instanceId ?? null });
    if (recorded && isLive(recorded)) return recorded;
    const found = findLabInstance(hypervisor, this.lab);
    return found && isLive(found) ? found : recorded;
  });
  /** The lab's instance exists and has not begun to terminate. */
  readonly live = $derived(this.instance !== undefined && isLive(this.instance));
  /** Why the step's checks cannot look inside the instance now, or null when they can. */
  readonly checkUnavailable = $derived(
    this.instance ? unavailableBecause("labCheck", this.instance) : "The lab's instance does not exist yet.",
  );
  /** Why a command cannot be typed into the instance's terminal now, or null when it can. */
  readonly typingUnavailable = $derived(
    this.instance ? unavailableBecause("sendConsoleInput", this.instance) : "The lab's instance does not exist yet.",
  );
  readonly hintsShown = $derived(this.viewed >= 0 ? (this.progress?.hintsShown[this.viewed] ?? 0) : 0);
  readonly solutionShown = $derived(this.progress?.solutionsShown.includes(this.viewed) ?? false);
  /** The furthest page the person may open: the current step, or the completion page once done. */
  readonly reachable = $derived(reachablePage(this.progress, this.steps));

  /** How many steps the lab has. */
  get steps(): number {
    return this.lab.steps.length;
  }

  constructor(labs: LabsState, lab: Lab) {
    this.#labs = labs;
    this.#fleet = labs.fleet;
    this.lab = lab;
  }

  /** Whether the step's check has passed. */
  hasPassed(step: number): boolean {
    return this.progress?.passedSteps.includes(step) ?? false;
  }

  /** Opens the lab where the person left it: the introduction, their current step, or the completion page. */
  restore(): void {
    this.viewed = this.reachable;
  }

  /** Starts the lab: progress from step 1, and the lab's instance launched when the lab says the player launches it. */
  async begin(): Promise<void> {
    if (this.progress === null) await this.#save(beginProgress(this.lab.id, Date.now()));
    this.show(this.reachable === this.steps ? this.steps : Math.max(0, this.reachable));
    if (this.lab.launch && !this.live) await this.launchInstance();
  }

  /** Launches the lab's instance (its image, type, Name and lab tag, user data) and records it. */
  async launchInstance(): Promise<void> {
    if (this.launching) return;
    this.launching = true;
    this.error = null;
    try {
      const request = labLaunchRequest(this.lab, this.#fleet.volumesAndImages.images);
      const [instance] = await this.#fleet.hypervisor.runInstances({ ...request, terminalSize: this.#fleet.terminalSize });
      if (instance) await this.recordInstance(instance.instanceId);
    } catch (error) {
      this.error = toCloudError(error);
    } finally {
      this.launching = false;
    }
  }

  /** Keeps the lab's instance in the progress, so a reload finds the same one. */
  async recordInstance(instanceId: string): Promise<void> {
    const recorded = this.progress && recordInstance(this.progress, instanceId);
    if (recorded) await this.#save(recorded);
  }

  show(page: number): void {
    const target = Math.max(-1, Math.min(page, this.reachable === this.steps ? this.steps : this.reachable));
    if (target === this.viewed) return;
    this.viewed = target;
    this.results = null;
  }

  /** The step after the viewed one (or the completion page after the last). */
  next(): void {
    this.show(this.viewed + 1);
  }

  /**
   * Runs the viewed step's checks. A pressed Check while an automatic one runs waits for it and
   * then runs afresh (the person may just have typed what the step asks).
   */
  async check(source: CheckSource): Promise<void> {
    const step = this.viewed;
    if (step < 0 || step >= this.steps || this.progress === null) return;
    if (source === "manual") this.checkingManual = true;
    if (this.#inFlight) {
      if (source === "manual") this.#manualQueued = true;
      return;
    }
    this.#inFlight = true;
    let result: StepCheckResult | null = null;
    try {
      result = await checkStep(this.#fleet.hypervisor, this.lab, step, { instanceId: this.instance?.instanceId ?? null });
    } catch (error) {
      if (source === "manual") this.error = toCloudError(error);
    } finally {
      this.#inFlight = false;
      this.#lastCheckEndedAt = performance.now();
    }
    if (result && this.viewed === step && (source === "manual" || result.passed || this.results !== null)) {
      this.results = result;
      this.resultsSource = source;
      this.resultsShown++;
      if (!result.passed && source === "manual" && !this.failedSteps.includes(step)) this.failedSteps = [...this.failedSteps, step];
    }
    if (result?.passed) await this.#stepPassed(step);
    if (this.#manualQueued) {
      this.#manualQueued = false;
      await this.check("manual");
      return;
    }
    if (source === "manual") this.checkingManual = false;
  }

  /**
   * Called every second: re-checks the viewed step while it is the current one, the checks can
   * look inside the instance, nothing else is checking and the terminal is quiet (so a Check
   * pressed right after typing seldom waits behind an automatic one).
   */
  autoCheck(now = performance.now()): void {
    const step = this.viewed;
    if (this.#inFlight || this.progress === null || step < 0 || step >= this.steps || this.hasPassed(step)) return;
    if (
      this.checkUnavailable !== null ||
      now - this.#lastCheckEndedAt < AUTO_CHECK_INTERVAL_MS ||
      now - this.#lastConsoleAt < AUTO_CHECK_QUIET_MS
    )
      return;
    if (typeof document !== "undefined" && document.visibilityState === "hidden") return;
    void this.check("auto");
  }

  /** The lab's instance's console printed something (an echo of typing, a command's output). */
  noteConsoleActivity(now = performance.now()): void {
    this.#lastConsoleAt = now;
  }

  /** Reveals the viewed step's next hint. */
  async showHint(): Promise<void> {
    const step = this.lab.steps[this.viewed];
    if (!this.progress || !step) return;
    await this.#save(revealHint(this.progress, this.viewed, step.hints.length));
  }

  async showSolution(): Promise<void> {
    const shown = this.progress && revealSolution(this.progress, this.viewed);
    if (shown) await this.#save(shown);
  }

  /**
   * Back to the lab's start: the lab's instance terminated (its files go with it) and the progress
   * forgotten. Stops, with the error, when the instance cannot be terminated.
   */
  async reset(): Promise<boolean> {
    this.error = null;
    const instance = this.instance;
    if (instance && this.live) {
      try {
        await this.#fleet.hypervisor.terminateInstances([instance.instanceId]);
      } catch (error) {
        this.error = toCloudError(error);
        return false;
      }
    }
    await this.#labs.forget(this.lab.id);
    this.viewed = -1;
    this.results = null;
    this.failedSteps = [];
    return true;
  }

  /** Types a command into the lab's instance's terminal (and presses Enter). */
  async sendToTerminal(command: string): Promise<void> {
    const instance = this.instance;
    if (!instance || this.typingUnavailable !== null) return;
    const text = command.endsWith("\n") ? command : `${command}\n`;
    try {
      await this.#fleet.hypervisor.sendConsoleInput(instance.instanceId, text);
    } catch (error) {
      this.error = toCloudError(error);
    }
  }

  dismissError(): void {
    this.error = null;
  }

  async #stepPassed(step: number): Promise<void> {
    const passed = this.progress && passStep(this.progress, step, this.steps, Date.now());
    if (passed) await this.#save(passed);
  }

  #save(progress: LabProgress): Promise<void> {
    return this.#labs.save(progress);
  }
}

/**
 * Whether an instance is still live: exactly when terminating it would change something (the
 * lifecycle table's no-op for an instance shutting down or terminated). A protected instance
 * is live too; terminating it is refused, with the reason.
 */
function isLive(instance: Instance): boolean {
  return decide("terminate", instance).kind !== "no-op";
}
