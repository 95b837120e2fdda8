// One generator type for the whole toolkit: re-exported so `import Boxes`
// and `import NeuralNet` name the same `SeededGenerator`.
@_exported import Randomness
