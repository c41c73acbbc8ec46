// Drops the whole-line comments and blank lines of a POSIX sh script, and nothing else: the manifests carry
// the scripts, the repository carries their explanations. Used by scripts/gen-sources.mjs at build time.
//
// A line is dropped only when it starts outside any quotes, command substitution, here-document body or
// continued line, and is blank or has "#" as its first non-blank character. To know that, the script is
// scanned as the shell reads it: quotes ('…', "…", `…`), $(…), $((…)), backslash escapes and line
// continuations, comments (a "#" starting a word), and here-documents (<<WORD and <<-WORD, bodies kept
// byte for byte to their delimiter line). Whatever is left open at the end is an error, never a guess.

/** @param {string} script @returns {string} */
export function stripComments(script) {
  const lines = script.endsWith('\n') ? script.slice(0, -1).split('\n') : script.split('\n');
  const kept = [];
  /** Open contexts, innermost last: "'", '"', '`', '$(', '$((', '('. */
  const stack = [];
  /** Here-documents whose bodies start on the next line, in order. */
  const pending = [];
  /** @type {{ word: string, tabs: boolean } | undefined} */
  let body;
  let continued = false;

  for (const [n, line] of lines.entries()) {
    if (body) {
      kept.push(line);
      if ((body.tabs ? line.replace(/^\t+/, '') : line) === body.word) body = pending.shift();
      continue;
    }
    if (stack.length === 0 && !continued && /^[ \t]*(#.*)?$/.test(line)) continue;
    kept.push(line);
    continued = scan(line, n + 1, stack, pending);
    body = pending.shift();
  }
  if (body) throw new Error(`here-document ${JSON.stringify(body.word)} is never ended`);
  if (stack.length > 0) throw new Error(`${JSON.stringify(stack[stack.length - 1])} is never closed`);
  if (continued) throw new Error('the last line is continued');
  return `${kept.join('\n')}\n`;
}

const WORD_START = new Set([undefined, ' ', '\t', ';', '&', '|', '(', ')', '<', '>']);

/** Scans one line, updating the open contexts and the here-documents it starts; true if it is continued. */
function scan(line, lineNumber, stack, pending) {
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    const top = stack[stack.length - 1];
    if (top === "'") {
      if (c === "'") stack.pop();
      continue;
    }
    if (c === '\\') {
      if (i === line.length - 1) return top === undefined || top === '$(' || top === '(';
      i++;
      continue;
    }
    if (top === '$((' || (top === '(' && stack.includes('$(('))) {
      if (c === '(') stack.push('(');
      else if (c === ')' && top === '(') stack.pop();
      else if (c === ')' && line[i + 1] === ')') {
        stack.pop();
        i++;
      }
      continue;
    }
    if (top === '"') {
      if (c === '"') stack.pop();
      else if (c === '`') stack.push('`');
      else if (c === '$' && line[i + 1] === '(') i += open(line, i, stack);
      continue;
    }
    if (top === '`' && c === '`') {
      stack.pop();
      continue;
    }
    // Command context: the script itself, or inside $( ), ( ) or ` `.
    if (c === "'" || c === '"') stack.push(c);
    else if (c === '`') stack.push('`');
    else if (c === '$' && line[i + 1] === '(') i += open(line, i, stack);
    else if (c === '(' && (top === '$(' || top === '(')) stack.push('(');
    else if (c === ')' && (top === '$(' || top === '(')) stack.pop();
    else if (c === '#' && WORD_START.has(line[i - 1])) return false;
    else if (c === '<' && line[i + 1] === '<' && line[i + 2] !== '<') {
      const m = /^<<(-?)[ \t]*((?:'[^']*'|"[^"]*"|[^\s;&|<>()])+)/.exec(line.slice(i));
      if (!m) throw new Error(`line ${lineNumber}: cannot read the here-document's delimiter`);
      pending.push({ word: m[2].replace(/['"\\]/g, ''), tabs: m[1] === '-' });
      i += m[0].length - 1;
    }
  }
  return false;
}

/** At "$(" in line[i]: opens a command substitution or an arithmetic expansion; returns how many extra characters it took. */
function open(line, i, stack) {
  if (line[i + 2] === '(') {
    stack.push('$((');
    return 2;
  }
  stack.push('$(');
  return 1;
}
