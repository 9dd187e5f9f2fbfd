"""Privacy-preserving linkage: the shared key, keyed tokens, Bloom filters, hashed files, leak checks.

At the agency, ``mpi.privacy.agency.hash_source`` turns a clear source into a hashed file; at the
hub, ``mpi.ingest`` loads such files through ``mpi.privacy.hub`` and ``mpi.model.hashed`` links them.
"""
