// Public API of the lab library; notebooks import it as `lab4` (see scripts/link-self.js).
// Explicit names only: the building blocks the original lab imports from torch, torchtext,
// datasets, nltk, spaCy, scipy and matplotlib, plus what the notebooks' import cells use. The
// answers to the lab's tasks live in reference/ and are not exported (test/api/exports.test.ts
// checks both); engine internals are imported by relative path where tests and scripts need them.

// Seeds and Python-like random numbers (torch.manual_seed, Python's random)
export { Random, manualSeed, random } from "./random";

// Modules and layers (torch.nn, torch.nn.init, torch.argmax under no_grad)
export { Module } from "./nn/module";
export { Linear, type LinearOptions } from "./nn/linear";
export { Embedding } from "./nn/embedding";
export { LSTM, type LSTMOptions } from "./nn/lstm";
export { Dropout, dropout } from "./nn/dropout";
export { uniform_ } from "./nn/init";
export { argmaxNoGrad } from "./nn/functional";

// Losses (nn.CrossEntropyLoss; its targets may be Word2Vec's centers grouped by context)
export { crossEntropy, type CrossEntropyOptions } from "./nn/losses";
export { GroupedTargets } from "./nn/grouped-targets";
export { type Word2VecLike } from "./word2vec/loss";

// Optimizers and gradient clipping (torch.optim.Adam/AdamW, clip_grad_norm_)
export { Adam, AdamW, type AdamOptions } from "./optim/adam";
export { clipGradNorm, type GradMap } from "./optim/clip";

// Training guard the notebook's train() calls (stops on NaN or an exploding loss)
export { checkTrainingStep, TrainingDivergedError } from "./optim/diverged";

// Checkpoints (torch.save / load_state_dict, as safetensors)
export { saveCheckpoint, loadCheckpoint, readCheckpoint } from "./checkpoint";

// Backend and device (torch.device, torch.backends.*.is_available)
export {
  initBackend,
  describeDevice,
  deviceDescription,
  backendInfo,
  nativeBlasStatus,
  type BackendInfo,
  type BackendName,
  type InitBackendOptions,
  type NativeBlasStatus,
} from "./engine";

// Data sets and loaders (HF datasets' load_dataset, torch.utils.data, the shipped data files)
export { loadDataset, type DatasetName, type TweetRow } from "./data/tweets";
export { Dataset, DatasetDict, type DatasetRow } from "./data/dataset";
export { dataDir, dataPath } from "./data/files";
export { Word2VecDataset, DataLoader, Word2VecBatch, type DataLoaderOptions, type PairBatch, type WindowRow } from "./word2vec/data";

// Text: stemmer, stop words, counting (nltk, collections.Counter) and spaCy's tokenizers
export { SnowballStemmer, stopwords } from "./text/preprocess";
export { Counter } from "./text/counter";
export { spacyDe, spacyEn, SpacyTokenizer, type SpacyToken } from "./text/spacy";

// Vocabulary lookup with Python's KeyError (tok2id[tok])
export { lookup } from "./word2vec/vocab";

// torchtext (legacy): Field, vocabulary, Multi30k, BucketIterator, Python-like printing
export {
  Field,
  TorchtextVocab,
  Example,
  TranslationDataset,
  Multi30k,
  BucketIterator,
  Batch,
  vars,
  pyRepr,
  pyStrRepr,
  len,
  type FieldOptions,
  type VocabOptions,
  type Stoi,
  type Multi30kOptions,
  type BucketIteratorOptions,
  type PyDict,
} from "./torchtext";

// Distances (scipy's squareform(pdist(wordvecs, "cosine")))
export { getDistanceMatrix, type DistanceMatrix, type DistanceMetric, type WordVectors } from "./similarity";

// Plots (matplotlib) and the marks summary
export {
  plotLoss,
  plotLines,
  plotSeq2SeqHistory,
  plotEmbeddingPCA,
  plotMarksSummary,
  beginMarksPart,
  type Series,
  type LineChartOptions,
  type Seq2SeqHistory,
  type EmbeddingPcaOptions,
  type ProbeNeighbours,
} from "./plot";

// Short error traces in a tslab kernel (see notebook/friendly-errors.ts; LAB4_DEBUG=1 opts out):
// the notebooks' import of lab4 turns them on here, not as a side effect of a module below.
export { lab4Debug } from "./notebook";
import { autoInstallFriendlyErrors } from "./notebook";
autoInstallFriendlyErrors();
// ... and tf.buffer's set with its arguments swapped stops where it is written (nn/buffer-guard.ts).
import { autoInstallBufferSetGuard } from "./nn/buffer-guard";
autoInstallBufferSetGuard();

// Progress bars and live loss charts (tqdm)
export {
  progressBar,
  ProgressBar,
  liveLossChart,
  LiveLossChart,
  type ProgressBarOptions,
  type ProgressUpdate,
  type LiveChartOptions,
} from "./progress";

// Run profile (full lab or the reduced one for tests)
export { labProfile, describeProfile, type LabProfile, type ProfileName } from "./profile";
