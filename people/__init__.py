"""The person's use cases that span apps: erasing an account, exporting everything, seeing who sees what.

The top of the layers (README "Layout"): it may use vrm, audit, consents and vendors; none of them uses it.
"""
