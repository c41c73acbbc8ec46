/** The script without its whole-line comments and blank lines; everything else byte for byte. Throws on a script it cannot follow. */
export declare function stripComments(script: string): string;
