/** Something the reference mobile client cannot do, said in one line (the CLI prints it). */
export class MobileError extends Error {}
