// A classic-BPF interpreter for tests: runs a seccomp filter against a
// struct seccomp_data the way the kernel would, for the instructions tsbox's
// filters may use (LD W ABS, ALU AND K, JMP JA/JEQ/JGT/JGE/JSET K, RET K/A).
// Anything else, a jump out of the program or running off its end throws.

export interface SeccompData {
  nr: number;
  arch: number;
  instruction_pointer?: bigint;
  args?: readonly bigint[];
}

/** sizeof(struct seccomp_data): int nr @0, u32 arch @4, u64 ip @8, u64 args[6] @16. */
export const SECCOMP_DATA_SIZE = 64;

export class InterpError extends Error {
  override readonly name = "InterpError";
}

function packData(data: SeccompData): DataView {
  const view = new DataView(new ArrayBuffer(SECCOMP_DATA_SIZE));
  view.setInt32(0, data.nr | 0, true);
  view.setUint32(4, data.arch >>> 0, true);
  view.setBigUint64(8, data.instruction_pointer ?? 0n, true);
  const args = data.args ?? [];
  if (args.length > 6) throw new InterpError("seccomp_data has 6 args");
  args.forEach((a, i) => view.setBigUint64(16 + 8 * i, BigInt.asUintN(64, a), true));
  return view;
}

/** Run `program` (an array of struct sock_filter) and return what it returns, as a u32. */
export function run(program: Uint8Array, data: SeccompData): number {
  if (program.length === 0 || program.length % 8 !== 0) throw new InterpError(`bad program length ${program.length}`);
  const code = new DataView(program.buffer, program.byteOffset, program.byteLength);
  const len = program.length / 8;
  const mem = packData(data);
  let a = 0;
  let pc = 0;
  const target = (off: number) => {
    const to = pc + 1 + off;
    if (to >= len) throw new InterpError(`instruction ${pc}: jump to ${to}, past the end (${len})`);
    return to;
  };
  for (;;) {
    if (pc >= len) throw new InterpError("fell off the end of the program");
    const op = code.getUint16(pc * 8, true);
    const jt = code.getUint8(pc * 8 + 2);
    const jf = code.getUint8(pc * 8 + 3);
    const k = code.getUint32(pc * 8 + 4, true);
    switch (op) {
      case 0x20: // BPF_LD | BPF_W | BPF_ABS; seccomp only allows aligned loads inside seccomp_data
        if (k % 4 !== 0 || k + 4 > SECCOMP_DATA_SIZE) throw new InterpError(`instruction ${pc}: bad load offset ${k}`);
        a = mem.getUint32(k, true);
        pc++;
        break;
      case 0x54: // BPF_ALU | BPF_AND | BPF_K
        a = (a & k) >>> 0;
        pc++;
        break;
      case 0x05: // BPF_JMP | BPF_JA
        pc = target(k);
        break;
      case 0x15: // BPF_JMP | BPF_JEQ | BPF_K
        pc = target(a === k ? jt : jf);
        break;
      case 0x25: // BPF_JMP | BPF_JGT | BPF_K
        pc = target(a > k ? jt : jf);
        break;
      case 0x35: // BPF_JMP | BPF_JGE | BPF_K
        pc = target(a >= k ? jt : jf);
        break;
      case 0x45: // BPF_JMP | BPF_JSET | BPF_K
        pc = target((a & k) !== 0 ? jt : jf);
        break;
      case 0x06: // BPF_RET | BPF_K
        return k;
      case 0x16: // BPF_RET | BPF_A
        return a;
      default:
        throw new InterpError(`instruction ${pc}: unsupported opcode 0x${op.toString(16)}`);
    }
  }
}
