"""The text search index: one document per lot, the words of each of its articles."""

from __future__ import annotations

from chalicelib.adapters.aws import ensure_models_bound
from chalicelib.adapters.models import SearchModel
from chalicelib.adapters.repositories._common import pack, unpack
from chalicelib.domain.article import Article
from chalicelib.domain.records import SearchDocument


def document_item(tenant_id: str, document: SearchDocument) -> SearchModel:
    return SearchModel(tenant_id, document.lot_ref, words=pack(document.words))


def search_item(tenant_id: str, lot_ref: str, articles: list[Article]) -> SearchModel:
    """The search document of one lot, from its articles (all of them)."""
    return document_item(tenant_id, SearchDocument.of(lot_ref, articles))


def text_candidates(tenant_id: str, typed: list[str]) -> list[str]:
    """References whose words start with every word typed, from the lots' search documents."""
    from chalicelib.domain.search import text_matches

    ensure_models_bound()
    found = []
    for item in SearchModel.query(tenant_id):
        for ref, words in unpack(item.words).items():
            if text_matches(words, typed):
                found.append(ref)
    return found
