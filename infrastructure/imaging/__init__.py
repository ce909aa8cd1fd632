"""Pixel work of data operations: images through augmentation steps, masks moved with them,
shapes rasterized and traced (Pillow, numpy, OpenCV)."""
