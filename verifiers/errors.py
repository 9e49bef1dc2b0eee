"""Exceptions of the verifiers package.

    VerifierError
    └── VerifierConfigError   a caller mistake (bad test spec, unknown language)

Bad model output never raises: it is a WRONG verdict. Only `raise_on_error=True` turns an ERROR
verdict back into its exception, for debugging (Math-Verify's policy).
"""


class VerifierError(Exception):
    pass


class VerifierConfigError(VerifierError):
    pass
