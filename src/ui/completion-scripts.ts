/**
 * The shells' completion scripts (`berth completions SHELL`). Each hands the words before the
 * cursor to `berth __complete` (the fast path in cli.ts: no oclif) and takes back `files` (the
 * shell completes paths itself) or `words` and the candidates, one a line. The candidates are put
 * into the reply as they are, never through `compgen -W` or an eval, which would expand `$(…)` in
 * them: a word never reaches the shell as code, whatever a recipe directory holds.
 */
export const COMPLETE = '__complete';

export const SHELLS = ['bash', 'zsh', 'fish'] as const;
export type Shell = (typeof SHELLS)[number];

// bash: the words are split from the line up to the cursor at blanks only (COMP_WORDS is split at
// COMP_WORDBREAKS too, which holds "@" and "=": \`jq@1.7\` would be three words). Readline
// replaces only the text from the word's last break character on (after it, but from it for "@",
// one of readline's special prefixes in bash), so the candidates lose what comes before that
// (\`jq@1.7.1\` goes in as \`@1.7.1\`, \`--pull=always\` as \`always\`).
const BASH = `# berth completion for bash: berth completions bash
_berth() {
  local line=\${COMP_LINE:0:COMP_POINT}
  local -a words reply
  read -ra words <<<"$line"
  [[ \${#words[@]} -eq 0 || $line == *[[:space:]] ]] && words+=('')
  local cur=\${words[\${#words[@]}-1]}
  local trim=\${cur%"\${cur##*[$COMP_WORDBREAKS]}"}
  trim=\${trim%@}
  mapfile -t reply < <(command berth ${COMPLETE} "\${words[@]:1}" 2>/dev/null)
  COMPREPLY=()
  if [[ \${reply[0]} == files ]]; then
    compopt -o default 2>/dev/null
  elif [[ \${reply[0]} == words ]]; then
    COMPREPLY=("\${reply[@]:1}")
    [[ -n $trim ]] && COMPREPLY=("\${COMPREPLY[@]#"$trim"}")
  fi
}
complete -F _berth berth
`;

const ZSH = `#compdef berth
# berth completion for zsh: berth completions zsh
_berth() {
  local -a reply
  reply=("\${(@f)$(command berth ${COMPLETE} "\${(@)words[2,CURRENT]}" 2>/dev/null)}")
  if [[ \${reply[1]} == files ]]; then
    _files
  elif [[ \${reply[1]} == words ]] && (( \${#reply} > 1 )); then
    compadd -- "\${(@)reply[2,-1]}"
  fi
}
# Autoloaded from $fpath (compinit), this file is _berth's body: it completes now; sourced, it registers.
if [[ \${zsh_eval_context[-1]} == loadautofunc ]]; then
  _berth "$@"
else
  compdef _berth berth
fi
`;

const FISH = `# berth completion for fish: berth completions fish
function __berth_complete
    set -l tokens (commandline -opc)
    set -e tokens[1]
    set -l current (commandline -ct)
    set -l reply (command berth ${COMPLETE} $tokens "$current" 2>/dev/null)
    if test "$reply[1]" = files
        __fish_complete_path "$current"
    else if test "$reply[1]" = words; and set -q reply[2]
        printf '%s\\n' $reply[2..-1]
    end
end
complete -c berth -f -a '(__berth_complete)'
`;

export function completionScript(shell: Shell): string {
  return { bash: BASH, zsh: ZSH, fish: FISH }[shell];
}
