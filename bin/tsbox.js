#!/usr/bin/env bun
// The npm package's entry point (bunx tsbox): the same program as the binary.
import { run } from "../src/main.ts";
run();
