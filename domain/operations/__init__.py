"""Pure geometry of data operations: affine maps, clipping, moved shapes, the pipeline."""
