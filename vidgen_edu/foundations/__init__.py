"""The mathematics of the course, made executable.

Each module stands alone and is imported by name, so that importing one never pulls in another:

- ``vidgen_edu.foundations.conv``: convolution written several ways (the definition, im2col,
  the convolution theorem), 3-D and transposed convolution, its gradients derived by hand,
  finite differences, and the seed article's dense layer ``sigma(W^T a + b)``.
- ``vidgen_edu.foundations.gan``, ``.vae``, ``.toy_gan``: GAN and VAE theory on toy distributions.

>>> from vidgen_edu.foundations.conv import conv_output_size
>>> conv_output_size(32, 3, stride=2, padding=1)
16
"""
