"""Exceptions of the verifiers package.

    VerifierError
    └── VerifierConfigError   a caller mistake (bad test spec, unknown language, bad input file),
                              raised before anything is judged; also a ValueError

Bad model output never raises: it is a WRONG verdict. Only `raise_on_error=True` turns an ERROR
verdict back into its exception, for debugging (Math-Verify's policy).
"""


class VerifierError(Exception):
    pass


class VerifierConfigError(VerifierError, ValueError):
    # a ValueError too: a caller mistake is one (the house's rule), and callers that catch
    # ValueError around CodeTests(...) keep working
    pass
