// Shell completions for tsbox, generated from the option table
// (src/cli/options.ts), for bash, zsh and fish.
//
// All three follow tsbox's grammar: options until "--" or the first word
// that does not start with "-", each option followed by exactly its number
// of values, then the command and its arguments. A value is completed by its
// ValueKind: "path" files, "dir" directories, "host-or-tmpfs" directories and
// the word "tmpfs", "env" exported variable names, "text" nothing at all.
//
//   bun scripts/completions.ts [--outdir DIR]    (default: dist/completions)
// writes DIR/tsbox.bash, DIR/_tsbox (zsh) and DIR/tsbox.fish.

import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { OPTIONS, type OptionDef, type ValueKind } from "../src/cli/options.ts";

const HEADER = "generated from src/cli/options.ts by scripts/completions.ts; do not edit";

/** Every name an option answers to. */
const names = (o: OptionDef) => [o.flag, ...(o.aliases ?? [])];

/** Options grouped by the kinds of their values ("path path", "text path", "" ...), in table order. */
function byKinds(): Map<string, string[]> {
  const m = new Map<string, string[]>();
  for (const o of OPTIONS) {
    const key = o.values.map((v) => v.kind).join(" ");
    m.set(key, [...(m.get(key) ?? []), ...names(o)]);
  }
  return m;
}

// ---- bash ------------------------------------------------------------------

export function bashCompletion(): string {
  const cases = [...byKinds()].filter(([k]) => k !== "").map(([kinds, flags]) => `        ${flags.join("|")}) echo ${kinds} ;;`);
  const all = OPTIONS.flatMap(names).join(" ");
  return `# bash completion for tsbox(1) -- ${HEADER}
# Install as /usr/share/bash-completion/completions/tsbox, or source it.

# The kinds of the values an option takes, one word per value.
_tsbox_kinds() {
    case $1 in
${cases.join("\n")}
    esac
}

_tsbox() {
    local cur=\${COMP_WORDS[COMP_CWORD]} i=1 want= word n
    local -a kinds
    COMPREPLY=()
    while (( i < COMP_CWORD )); do
        word=\${COMP_WORDS[i]}
        if [[ $word == -- ]]; then (( i++ )); want=command; break; fi
        if [[ $word != -* ]]; then want=command; break; fi
        read -ra kinds <<< "$(_tsbox_kinds "$word")"
        n=\${#kinds[@]}
        if (( i + n >= COMP_CWORD )); then want=\${kinds[COMP_CWORD - i - 1]}; break; fi
        (( i += n + 1 ))
    done
    if [[ -z $want ]]; then
        # An option, or the first word of the command.
        if [[ $cur == -* ]]; then want=option; else want=command; fi
    fi
    if [[ $want == command ]] && (( i < COMP_CWORD )); then
        # The command's own arguments: its own completion if bash-completion is loaded.
        if declare -F _command_offset >/dev/null; then _command_offset "$i"; return; fi
        want=path
    fi
    case $want in
        option) mapfile -t COMPREPLY < <(compgen -W "${all}" -- "$cur") ;;
        command) mapfile -t COMPREPLY < <(compgen -c -- "$cur") ;;
        path) compopt -o filenames 2>/dev/null; mapfile -t COMPREPLY < <(compgen -f -- "$cur") ;;
        dir) compopt -o filenames 2>/dev/null; mapfile -t COMPREPLY < <(compgen -d -- "$cur") ;;
        host-or-tmpfs) compopt -o filenames 2>/dev/null; mapfile -t COMPREPLY < <(compgen -W tmpfs -- "$cur"; compgen -d -- "$cur") ;;
        env) mapfile -t COMPREPLY < <(compgen -e -- "$cur") ;;
        *) ;; # text: nothing to offer
    esac
}

complete -F _tsbox tsbox
`;
}

// ---- zsh -------------------------------------------------------------------

/** zsh single-quoted string. */
const zq = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
/** Text for an _arguments description or message: no brackets or colons. */
const zdesc = (s: string) => s.replace(/\\/g, "\\\\").replace(/([[\]:])/g, "\\$1");

const ZSH_ACTION: Record<ValueKind, string> = {
  path: "_files",
  dir: "_files -/",
  "host-or-tmpfs": "_tsbox_host_or_tmpfs", // colons cannot appear in an _arguments action
  env: "_parameters -g \"*export*\"",
  text: " ", // a message, no matches
};

export function zshCompletion(): string {
  const specs: string[] = [];
  for (const o of OPTIONS) {
    const values = o.values.map((v) => `:${zdesc(v.name)}:${ZSH_ACTION[v.kind]}`).join("");
    const once = o.flag === "--help" || o.flag === "--version";
    for (const n of names(o)) specs.push(zq(`${once ? "(- *)" : "*"}${n}[${zdesc(o.help)}]${values}`));
  }
  specs.push(zq("(-)1:command:_command_names -e"), zq("*::argument:_normal"));
  return `#compdef tsbox
# zsh completion for tsbox(1) -- ${HEADER}
# Install as _tsbox in a directory of $fpath.

_tsbox_host_or_tmpfs() {
  _alternative 'keywords:keyword:(tmpfs)' 'directories:directory:_files -/'
}

_tsbox() {
  # -S: nothing is an option after "--"; -A "-*": nor after the first non-option word.
  _arguments -S -A '-*' \\
    ${specs.join(" \\\n    ")}
}

_tsbox "$@"
`;
}

// ---- fish ------------------------------------------------------------------

/** fish single-quoted string. */
const fq = (s: string) => `'${s.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`;

export function fishCompletion(): string {
  const cases = [...byKinds()].filter(([k]) => k !== "").map(([kinds, flags]) => `        case ${flags.join(" ")}\n            echo ${kinds}`);
  const opts = OPTIONS.map((o) => {
    const short = (o.aliases ?? []).filter((a) => /^-[^-]$/.test(a)).map((a) => ` -s ${a.slice(1)}`).join("");
    return `complete -c tsbox -n '__tsbox_is option'${short} -l ${o.flag.slice(2)} -d ${fq(o.help)}`;
  });
  return `# fish completion for tsbox(1) -- ${HEADER}
# Install as ~/.config/fish/completions/tsbox.fish or in a directory of $fish_complete_path.

# The kinds of the values an option takes, one word per value.
function __tsbox_kinds
    switch $argv[1]
${cases.join("\n")}
    end
end

# What the word under the cursor is: option, command, argument, or the kind of an option's value.
function __tsbox_state
    set -l words (commandline -opc)
    set -l n (count $words)
    set -l i 2
    while test $i -le $n
        set -l word $words[$i]
        if test "$word" = --
            test $i -eq $n; and echo command; or echo argument
            return
        end
        if not string match -q -- '-*' $word
            echo argument
            return
        end
        set -l kinds (string split -n ' ' -- (__tsbox_kinds $word))
        set -l k (count $kinds)
        if test (math $i + $k) -gt $n
            # The word under the cursor (number n + 1) is this option's value number n + 1 - i.
            echo $kinds[(math $n + 1 - $i)]
            return
        end
        set i (math $i + $k + 1)
    end
    # An option, or the first word of the command.
    string match -q -- '-*' (commandline -ct); and echo option; or echo command
end

function __tsbox_is
    test (__tsbox_state) = $argv[1]
end

complete -c tsbox -f
${opts.join("\n")}
complete -c tsbox -n '__tsbox_is command' -a '(__fish_complete_command)'
complete -c tsbox -n '__tsbox_is argument' -F
complete -c tsbox -n '__tsbox_is path' -F
complete -c tsbox -n '__tsbox_is dir' -a '(__fish_complete_directories (commandline -ct))'
complete -c tsbox -n '__tsbox_is host-or-tmpfs' -a 'tmpfs (__fish_complete_directories (commandline -ct))'
complete -c tsbox -n '__tsbox_is env' -a '(set --names --export)'
`;
}

// ---- files -------------------------------------------------------------------

export const COMPLETION_FILES = { "tsbox.bash": bashCompletion, _tsbox: zshCompletion, "tsbox.fish": fishCompletion } as const;

export function writeCompletions(dir: string): string[] {
  mkdirSync(dir, { recursive: true });
  return Object.entries(COMPLETION_FILES).map(([name, make]) => {
    const path = join(dir, name);
    writeFileSync(path, make());
    return path;
  });
}

if (import.meta.main) {
  const args = process.argv.slice(2);
  const at = args.indexOf("--outdir");
  const root = new URL("..", import.meta.url).pathname;
  const dir = at >= 0 && args[at + 1] ? args[at + 1]! : join(root, "dist", "completions");
  for (const p of writeCompletions(dir)) console.log(`wrote ${p}`);
}
