// The entry point of the compiled binary and of the bundle that `bunx tsbox` runs.
import { run } from "./main.ts";

run();
