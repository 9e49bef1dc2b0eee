"""The geometry deduction engine: AlphaGeometry's language, DD+AR to a fixpoint, proof DAG."""
