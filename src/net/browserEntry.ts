/** The VPC fabric's worker in the browser: one dedicated module worker for the whole fleet. */
import { expose } from "comlink";
import { FabricWorker } from "./fabricWorker.ts";
import { realScheduler } from "./tcp/scheduler.ts";

expose(new FabricWorker(realScheduler));
