"""Readers and writers of documents: files ⇄ neutral blocks (:mod:`lantian.domain.blocks`)."""
