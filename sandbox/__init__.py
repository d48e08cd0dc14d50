"""Local stand-in for edX (LMS and Studio) and MITx Online; see docs/sandbox.md."""
