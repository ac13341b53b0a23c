"""Privacy: DP-SGD with Opacus, honest accounting, membership audits, and other protections.

- ``accounting``: noise calibration, epsilon by RDP and PRV (Opacus) and by Google's
  dp-accounting, group privacy, the record in ``privacy.json``;
- ``dpgan``: the private video GAN (DP-SGD on the discriminator's real half only);
- ``dpflow``: the private flow model (DP-SGD on every parameter, DPDM's noise multiplicity);
- ``per_sample``: fast per-sample gradients and norms of a Conv3d, registered with Opacus;
- ``train``: ``dp_train`` and the budget it enforces (``vidgen-edu dp-train``);
- ``membership`` and ``audit``: LOGAN and GAN-Leaks, ROC AUC, TPR at low FPR, empirical epsilon
  (``vidgen-edu audit``);
- ``deid``, ``metadata``, ``encryption``: blurring and what a classifier still reads, stripping
  container metadata, AES-GCM for a dataset file at rest.

The private set itself is ``vidgen_edu.data.fixed.FixedDigits`` (one clip, one person).
"""
