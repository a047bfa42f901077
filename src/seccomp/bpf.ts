// A tiny classic-BPF assembler and disassembler, enough for seccomp filters.
//
// A program is a list of items: instructions and labels. Conditional jumps
// name their true/false targets by label; `assemble` turns those into the
// 8-bit jt/jf offsets of struct sock_filter (include/uapi/linux/filter.h):
//
//   struct sock_filter { __u16 code; __u8 jt; __u8 jf; __u32 k; }   // 8 bytes
//
// encoded little-endian (the byte order of every architecture tsbox runs on).
//
// Classic BPF only jumps forward: an offset counts instructions after the
// jump (target = pc + 1 + offset). A conditional jump whose target lies more
// than 255 instructions ahead cannot be encoded; `assemble` throws rather than
// insert BPF_JA trampolines, since tsbox's filters stay far below that size.
// BPF_JA itself carries a 32-bit offset in k and is available as `ja`.

// ---- opcodes: include/uapi/linux/bpf_common.h and linux/filter.h ------------

// instruction classes
export const BPF_LD = 0x00;
export const BPF_LDX = 0x01;
export const BPF_ST = 0x02;
export const BPF_STX = 0x03;
export const BPF_ALU = 0x04;
export const BPF_JMP = 0x05;
export const BPF_RET = 0x06;
export const BPF_MISC = 0x07;

// ld/ldx sizes
export const BPF_W = 0x00;
export const BPF_H = 0x08;
export const BPF_B = 0x10;

// ld/ldx modes
export const BPF_IMM = 0x00;
export const BPF_ABS = 0x20;
export const BPF_IND = 0x40;
export const BPF_MEM = 0x60;
export const BPF_LEN = 0x80;
export const BPF_MSH = 0xa0;

// alu operations
export const BPF_ADD = 0x00;
export const BPF_SUB = 0x10;
export const BPF_MUL = 0x20;
export const BPF_DIV = 0x30;
export const BPF_OR = 0x40;
export const BPF_AND = 0x50;
export const BPF_LSH = 0x60;
export const BPF_RSH = 0x70;
export const BPF_NEG = 0x80;
export const BPF_MOD = 0x90;
export const BPF_XOR = 0xa0;

// jump operations
export const BPF_JA = 0x00;
export const BPF_JEQ = 0x10;
export const BPF_JGT = 0x20;
export const BPF_JGE = 0x30;
export const BPF_JSET = 0x40;

// operand source
export const BPF_K = 0x00;
export const BPF_X = 0x08;

// ret source (linux/filter.h: BPF_A is the accumulator)
export const BPF_A = 0x10;

/** BPF_MAXINSNS (linux/bpf_common.h): the kernel rejects longer programs. */
export const BPF_MAXINSNS = 4096;

/** sizeof(struct sock_filter). */
export const INSN_SIZE = 8;

// ---- program items ----------------------------------------------------------

/** An instruction with no jump targets (loads, ALU, returns). */
export interface Stmt {
  readonly kind: "stmt";
  readonly code: number;
  readonly k: number;
  readonly comment?: string;
}

/** A conditional jump; `null` as a target means "the next instruction". */
export interface Jump {
  readonly kind: "jump";
  readonly code: number;
  readonly k: number;
  readonly jt: string | null;
  readonly jf: string | null;
  readonly comment?: string;
}

/** BPF_JMP|BPF_JA: unconditional, with a 32-bit offset in k. */
export interface Ja {
  readonly kind: "ja";
  readonly target: string;
  readonly comment?: string;
}

/** Names the position of the next instruction. */
export interface Label {
  readonly kind: "label";
  readonly name: string;
}

export type Item = Stmt | Jump | Ja | Label;
export type Program = readonly Item[];

/** One struct sock_filter, jumps resolved. */
export interface Insn {
  readonly code: number;
  readonly jt: number;
  readonly jf: number;
  readonly k: number;
  readonly comment?: string;
}

// ---- constructors -----------------------------------------------------------

const withComment = <T extends object>(item: T, comment: string | undefined): T =>
  comment === undefined ? item : { ...item, comment };

/** BPF_STMT(code, k) */
export function stmt(code: number, k: number, comment?: string): Stmt {
  return withComment({ kind: "stmt", code, k }, comment);
}

/** A = *(u32 *)(data + offset) — BPF_LD|BPF_W|BPF_ABS */
export function ldAbsW(offset: number, comment?: string): Stmt {
  return stmt(BPF_LD | BPF_W | BPF_ABS, offset, comment);
}

/** A &= k — BPF_ALU|BPF_AND|BPF_K */
export function andK(k: number, comment?: string): Stmt {
  return stmt(BPF_ALU | BPF_AND | BPF_K, k, comment);
}

/** return k — BPF_RET|BPF_K */
export function retK(k: number, comment?: string): Stmt {
  return stmt(BPF_RET | BPF_K, k, comment);
}

/** BPF_JUMP(code, k, jt, jf) with label targets. */
export function jump(code: number, k: number, jt: string | null, jf: string | null, comment?: string): Jump {
  return withComment({ kind: "jump", code, k, jt, jf }, comment);
}

/** if (A == k) goto jt else goto jf — BPF_JMP|BPF_JEQ|BPF_K */
export function jeq(k: number, jt: string | null, jf: string | null, comment?: string): Jump {
  return jump(BPF_JMP | BPF_JEQ | BPF_K, k, jt, jf, comment);
}

/** if (A > k) goto jt else goto jf — BPF_JMP|BPF_JGT|BPF_K */
export function jgt(k: number, jt: string | null, jf: string | null, comment?: string): Jump {
  return jump(BPF_JMP | BPF_JGT | BPF_K, k, jt, jf, comment);
}

/** if (A >= k) goto jt else goto jf — BPF_JMP|BPF_JGE|BPF_K */
export function jge(k: number, jt: string | null, jf: string | null, comment?: string): Jump {
  return jump(BPF_JMP | BPF_JGE | BPF_K, k, jt, jf, comment);
}

/** if (A & k) goto jt else goto jf — BPF_JMP|BPF_JSET|BPF_K */
export function jset(k: number, jt: string | null, jf: string | null, comment?: string): Jump {
  return jump(BPF_JMP | BPF_JSET | BPF_K, k, jt, jf, comment);
}

/** goto target — BPF_JMP|BPF_JA */
export function ja(target: string, comment?: string): Ja {
  return withComment({ kind: "ja", target }, comment);
}

export function label(name: string): Label {
  return { kind: "label", name };
}

// ---- assembler --------------------------------------------------------------

export class BpfError extends Error {
  override readonly name = "BpfError";
}

/** k is a __u32; accept negative int32 too and store its bit pattern. */
function u32(k: number, at: number): number {
  if (!Number.isInteger(k) || k < -0x80000000 || k > 0xffffffff) {
    throw new BpfError(`instruction ${at}: k=${k} is not a 32-bit integer`);
  }
  return k >>> 0;
}

/** Resolve labels into jump offsets; checks everything `assemble` checks. */
export function resolve(program: Program): Insn[] {
  // First pass: where every label points (the index of the next instruction).
  const labels = new Map<string, number>();
  let count = 0;
  for (const item of program) {
    if (item.kind === "label") {
      if (labels.has(item.name)) throw new BpfError(`label ${item.name} defined twice`);
      labels.set(item.name, count);
    } else {
      count++;
    }
  }
  if (count === 0) throw new BpfError("empty program");
  if (count > BPF_MAXINSNS) throw new BpfError(`${count} instructions, more than BPF_MAXINSNS (${BPF_MAXINSNS})`);

  // Offsets are relative to the instruction after the jump and never negative.
  const offset = (from: number, name: string | null, max: number): number => {
    if (name === null) return 0;
    const to = labels.get(name);
    if (to === undefined) throw new BpfError(`instruction ${from}: jump to undefined label ${name}`);
    if (to <= from) throw new BpfError(`instruction ${from}: jump to ${name} (${to}) is not forward`);
    if (to >= count) throw new BpfError(`instruction ${from}: jump to ${name} runs off the end of the program`);
    const off = to - from - 1;
    if (off > max) throw new BpfError(`instruction ${from}: jump to ${name} is ${off} instructions, more than ${max}`);
    return off;
  };

  const out: Insn[] = [];
  for (const item of program) {
    const at = out.length;
    switch (item.kind) {
      case "label":
        break;
      case "stmt":
        out.push(withComment({ code: item.code, jt: 0, jf: 0, k: u32(item.k, at) }, item.comment));
        break;
      case "jump":
        if ((item.code & 0x07) !== BPF_JMP || (item.code & 0xf0) === BPF_JA) {
          throw new BpfError(`instruction ${at}: code 0x${item.code.toString(16)} is not a conditional jump`);
        }
        out.push(withComment({
          code: item.code,
          jt: offset(at, item.jt, 0xff),
          jf: offset(at, item.jf, 0xff),
          k: u32(item.k, at),
        }, item.comment));
        break;
      case "ja":
        out.push(withComment({ code: BPF_JMP | BPF_JA, jt: 0, jf: 0, k: offset(at, item.target, 0xffffffff) }, item.comment));
        break;
    }
  }

  // bpf_check_classic() (net/core/filter.c): the last instruction must return.
  const last = out[out.length - 1];
  if (last === undefined || (last.code & 0x07) !== BPF_RET) {
    throw new BpfError("the program does not end with a return");
  }
  return out;
}

/** Encode resolved instructions as an array of struct sock_filter. */
export function encode(insns: readonly Insn[]): Uint8Array {
  const bytes = new Uint8Array(insns.length * INSN_SIZE);
  const view = new DataView(bytes.buffer);
  insns.forEach((insn, i) => {
    const at = i * INSN_SIZE;
    view.setUint16(at, insn.code, true);
    view.setUint8(at + 2, insn.jt);
    view.setUint8(at + 3, insn.jf);
    view.setUint32(at + 4, insn.k, true);
  });
  return bytes;
}

/** Assemble a program into the bytes seccomp(SECCOMP_SET_MODE_FILTER) takes. */
export function assemble(program: Program): Uint8Array {
  return encode(resolve(program));
}

/** Decode an array of struct sock_filter. */
export function decode(bytes: Uint8Array): Insn[] {
  if (bytes.length % INSN_SIZE !== 0) throw new BpfError(`${bytes.length} bytes is not a whole number of instructions`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: Insn[] = [];
  for (let at = 0; at < bytes.length; at += INSN_SIZE) {
    out.push({
      code: view.getUint16(at, true),
      jt: view.getUint8(at + 2),
      jf: view.getUint8(at + 3),
      k: view.getUint32(at + 4, true),
    });
  }
  return out;
}

// ---- disassembler -----------------------------------------------------------

const hex = (n: number) => `0x${n.toString(16)}`;

const JMP_NAMES: Record<number, string> = { [BPF_JEQ]: "jeq", [BPF_JGT]: "jgt", [BPF_JGE]: "jge", [BPF_JSET]: "jset" };
const ALU_NAMES: Record<number, string> = {
  [BPF_ADD]: "add", [BPF_SUB]: "sub", [BPF_MUL]: "mul", [BPF_DIV]: "div", [BPF_OR]: "or",
  [BPF_AND]: "and", [BPF_LSH]: "lsh", [BPF_RSH]: "rsh", [BPF_NEG]: "neg", [BPF_MOD]: "mod", [BPF_XOR]: "xor",
};
const SIZE_NAMES: Record<number, string> = { [BPF_W]: "", [BPF_H]: "h", [BPF_B]: "b" };

/** Mnemonic and operands of one instruction at index `pc`. */
function text(insn: Insn, pc: number): string {
  const { code, k } = insn;
  const src = (code & BPF_X) !== 0 ? "x" : `#${hex(k)}`;
  switch (code & 0x07) {
    case BPF_LD: {
      const size = SIZE_NAMES[code & 0x18];
      if ((code & 0xe0) === BPF_ABS && size !== undefined) return `ld${size} [${k}]`;
      if ((code & 0xe0) === BPF_IMM) return `ld #${hex(k)}`;
      if ((code & 0xe0) === BPF_MEM) return `ld M[${k}]`;
      break;
    }
    case BPF_ALU: {
      const op = ALU_NAMES[code & 0xf0];
      if (op !== undefined) return op === "neg" ? "neg" : `${op} ${src}`;
      break;
    }
    case BPF_JMP: {
      if ((code & 0xf0) === BPF_JA) return `ja ${pc + 1 + k}`;
      const op = JMP_NAMES[code & 0xf0];
      if (op !== undefined) return `${op} ${src}, ${pc + 1 + insn.jt}, ${pc + 1 + insn.jf}`;
      break;
    }
    case BPF_RET:
      if ((code & 0x18) === BPF_A) return "ret a";
      if ((code & 0x18) === BPF_K) return `ret #${hex(k)}`;
      break;
  }
  return `.insn code=${hex(code)} jt=${insn.jt} jf=${insn.jf} k=${hex(k)}`;
}

/**
 * One readable line per instruction: index, mnemonic, operands (jump targets
 * as absolute instruction indices, "jeq #k, true, false"), and the comment.
 */
export function disassemble(bytes: Uint8Array | readonly Insn[], comments: readonly (string | undefined)[] = []): string[] {
  const insns = bytes instanceof Uint8Array ? decode(bytes) : bytes;
  const width = String(Math.max(insns.length - 1, 0)).length;
  return insns.map((insn, pc) => {
    const line = `${String(pc).padStart(width)}: ${text(insn, pc)}`;
    const comment = comments[pc] ?? insn.comment;
    return comment === undefined ? line : `${line.padEnd(width + 32)} ; ${comment}`;
  });
}

/** Disassemble an un-assembled program, keeping the comments of its items. */
export function describe(program: Program): string[] {
  return disassemble(resolve(program));
}
