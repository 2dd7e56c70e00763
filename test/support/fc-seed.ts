/**
 * The seed of the generated inputs of unit tests (fast-check, and the files' own small generators): fixed, so that a
 * run is repeatable; `FC_SEED=n` explores others. fast-check prints the seed and the shrunk input of a failure.
 */
export const FC_SEED = process.env.FC_SEED === undefined ? 20_261_207 : Number(process.env.FC_SEED);
