"""Privacy: DP-SGD for the discriminator with Opacus, accounting, audits, and other protections."""
