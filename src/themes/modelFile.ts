import { z } from 'zod';

/** The shipped model as committed in src/themes/model.json (built by `npm run train:themes`). */
export const modelFile = z
  .object({
    format: z.literal('network-coach/themes-model@2'),
    /** sha256 of the corpus and the code that builds the model (train.ts MODEL_SOURCES). */
    source: z.string().regex(/^[0-9a-f]{64}$/),
    stories: z.number().int().positive(),
    training: z.object({ l2: z.number(), iterations: z.number().int(), minCount: z.number().int(), folds: z.number().int(), step: z.number(), gateStep: z.number() }),
    themes: z.array(z.object({ id: z.string().min(1), bias: z.number(), threshold: z.number().min(0).max(1) })).min(1),
    /** Feature names, sorted. */
    features: z.array(z.string()),
    /** features x width, row-major. */
    weights: z.array(z.number()),
    width: z.number().int().positive(),
    /** "Is this story about any theme?": below its threshold a story gets no default theme. Weights per feature. */
    gate: z.object({ bias: z.number(), threshold: z.number().min(0).max(1), weights: z.array(z.number()) }),
    /** The story's meaning (meaning.ts): the word-vector table it was trained with, and its weights (dims x width; the gate does not read it). */
    meaning: z.object({
      /** sha256 of src/themes/wordVectors.json when the model was trained (the model test checks it). */
      vectors: z.string().regex(/^[0-9a-f]{64}$/),
      dims: z.number().int().positive(),
      scale: z.number().positive(),
      rankHalf: z.number().positive(),
      weights: z.array(z.number()),
    }),
  })
  .refine((m) => m.width === m.themes.length && m.weights.length === m.features.length * m.width, { message: 'weights do not match features x themes' })
  .refine((m) => m.gate.weights.length === m.features.length, { message: 'gate weights do not match features' })
  .refine((m) => m.meaning.weights.length === m.meaning.dims * m.width, { message: 'meaning weights do not match dims x themes' });

export type ModelFile = z.infer<typeof modelFile>;
