/**
 * A preflight answers in seconds or says why not: two attempts per call, and a call that gets no connection in 3 s
 * or no answer in 10 s is given up (the SDK's default waits for ever on an endpoint that accepts and never answers).
 */
export const PATIENCE = { maxAttempts: 2, requestHandler: { connectionTimeout: 3_000, requestTimeout: 10_000 } };
