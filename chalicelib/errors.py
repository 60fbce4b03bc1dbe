"""Every domain error, in one module, each with its HTTP status and stable code.

Messages are French: they reach the dealer as they are. Code never matches on
message text, only on the class or ``code``.
"""

from __future__ import annotations

from typing import Any


class LotbookError(Exception):
    status = 400
    code = "bad_request"
    message = "Requête invalide."

    def __init__(self, message: str | None = None, details: Any = None) -> None:
        super().__init__(message or self.message)
        self.message = message or self.message
        self.details = details

    def to_body(self) -> dict[str, Any]:
        error: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.details is not None:
            error["details"] = self.details
        return {"error": error}


# 400
class ValidationError(LotbookError):
    status = 400
    code = "invalid_input"
    message = "Certaines valeurs sont invalides."


class MalformedJsonError(LotbookError):
    status = 400
    code = "malformed_json"
    message = "Le corps de la requête n'est pas un JSON valide."


class BodyTooLargeError(LotbookError):
    status = 400
    code = "body_too_large"
    message = "Le corps de la requête est trop volumineux (1 Mo au plus)."


class BodyTooDeepError(LotbookError):
    status = 400
    code = "body_too_deep"
    message = "Le corps de la requête est trop imbriqué (32 niveaux au plus)."


# 401
class UnauthenticatedError(LotbookError):
    status = 401
    code = "unauthenticated"
    message = "Authentification requise."


class InvalidTokenError(LotbookError):
    status = 401
    code = "invalid_token"
    message = "Jeton d'authentification invalide ou expiré."


class InvalidCredentialsError(LotbookError):
    status = 401
    code = "invalid_credentials"
    message = "Adresse e-mail ou mot de passe incorrect."


class TokenRevokedError(LotbookError):
    """The token is genuine but its user was deleted, disabled, moved or changed profile."""

    status = 401
    code = "token_revoked"
    message = "Votre session n'est plus valable : reconnectez-vous."


class InvalidInspectorCodeError(LotbookError):
    """A wrong, used, revoked or expired inspector access code: all refused alike."""

    status = 401
    code = "invalid_inspector_code"
    message = "Code d'accès inspecteur invalide, expiré ou déjà utilisé : demandez un nouvel accès au gérant."


# 403
class ForbiddenError(LotbookError):
    status = 403
    code = "forbidden"
    message = "Votre profil ne permet pas cette action."


class EmailNotVerifiedError(LotbookError):
    status = 403
    code = "email_not_verified"
    message = (
        "Adresse e-mail non confirmée : saisissez le code reçu par e-mail pour activer votre espace."
    )


# 404
class NotFoundError(LotbookError):
    status = 404
    code = "not_found"
    message = "Élément introuvable."


class RouteNotFoundError(NotFoundError):
    code = "route_not_found"
    message = "Cette adresse n'existe pas."


# 409
class ConflictError(LotbookError):
    status = 409
    code = "conflict"
    message = "Cette action est impossible dans l'état actuel."


class WrongStatusError(ConflictError):
    """An article is not in a status the action accepts; ``details.refs`` names them."""

    code = "wrong_status"
    message = "Action impossible : un article n'a pas le bon statut."


class RegisterDivergenceError(ConflictError):
    """The live lot no longer matches its last police-register version (changed behind the
    application's back): a correction would seal the forged values; ``details`` lists them."""

    code = "register_divergence"
    message = ("Ce lot ne correspond plus à sa dernière version du livre de police (modification faite hors "
               "de Lotbook) : aucune correction n'est possible avant l'examen de la vérification.")


class UnreadableRecordError(ConflictError):
    """A stored article, lot or sale whose values no longer read (a price that is not a number,
    a date that is not a date): written behind the application's back. Nothing is changed; the
    compliance verification says what differs from the seal."""

    code = "record_unreadable"
    NAMES = {"article": "L'article", "lot": "Le lot", "sale": "La vente"}

    def __init__(self, record: str, ref: str) -> None:
        super().__init__(f"{self.NAMES[record]} {ref} a été modifié hors de Lotbook et ne peut plus être lu : "
                         "lancez la vérification de conformité (Conformité → Vérification).",
                         details={"record": record, "ref": ref})


class SoldArticleRateError(ConflictError):
    code = "sold_article_vat_rate"
    message = ("Le taux de TVA d'un article vendu est celui de sa vente, scellé sur le ticket : "
               "passez par un retour client puis une nouvelle vente.")


class StatusChangedError(WrongStatusError):
    """An article's status changed between the check and the write."""

    message = "Le statut d'un article a changé entre-temps : rechargez et recommencez."


class ConcurrentChangeError(ConflictError):
    code = "concurrent_change"
    message = "Ces données viennent d'être modifiées par ailleurs : rechargez et recommencez."


class EmailTakenError(ConflictError):
    code = "email_taken"
    message = "Un compte existe déjà avec cette adresse e-mail."


class UserLimitError(ConflictError):
    code = "user_limit"
    message = "Le nombre maximal d'utilisateurs de votre abonnement est atteint."


class PartyInUseError(ConflictError):
    code = "party_in_use"
    message = "Impossible de supprimer : des articles y sont liés."


class FamilyInUseError(ConflictError):
    code = "family_in_use"
    message = "Impossible de supprimer cette famille : des articles y sont rattachés."


class CreationYearLockedError(ConflictError):
    code = "creation_year_locked"
    message = "L'année de création ne peut plus changer : un premier lot a été saisi."


class LastManagerError(ConflictError):
    code = "last_manager"
    message = "L'entreprise doit garder au moins un gestionnaire."


# 422
class BusinessRuleError(LotbookError):
    status = 422
    code = "business_rule"
    message = "Cette opération enfreint une règle de gestion."


class DateBeforePurchaseError(BusinessRuleError):
    code = "date_before_purchase"
    message = "Un article ne peut pas être vendu avant la date de son achat."


class DateBeforeSaleError(BusinessRuleError):
    code = "date_before_sale"
    message = "Un retour ne peut pas être daté d'avant la vente de l'article."


class InvoiceDateBeforeLastError(BusinessRuleError):
    code = "invoice_date_before_last"
    message = ("Les factures sont numérotées dans l'ordre chronologique : une vente ne peut pas être datée "
               "d'avant la dernière facture.")


class DateInFutureError(BusinessRuleError):
    code = "date_in_future"
    message = "La date ne peut pas être dans le futur."


# 400 / 429: signup and login (chalicelib/services/accounts.py)
class InvalidCodeError(LotbookError):
    status = 400
    code = "invalid_code"
    message = "Code de confirmation incorrect ou expiré."


class TooManyRequestsError(LotbookError):
    """Answered with a ``Retry-After`` header (seconds)."""

    status = 429
    code = "too_many_requests"
    message = "Trop de demandes depuis cette adresse : réessayez plus tard."

    def __init__(self, retry_after: int, message: str | None = None) -> None:
        super().__init__(message)
        self.retry_after = max(1, int(retry_after))


class TooManyAttemptsError(TooManyRequestsError):
    code = "too_many_attempts"
    message = "Trop de tentatives de connexion échouées : compte bloqué temporairement, réessayez plus tard."


# 503
class ServiceBusyError(LotbookError):
    """AWS throttled a request (a table or an API over its rate): nothing was written, retry."""

    status = 503
    code = "service_busy"
    message = "Le service est momentanément saturé : rien n'a été enregistré, réessayez dans quelques secondes."


# Documents (chalicelib/services/documents.py)
class NotAcceptableError(LotbookError):
    status = 406
    code = "not_acceptable"
    message = "Ce document est un PDF : envoyez l'en-tête « Accept: application/pdf »."


class NothingToPrintError(ConflictError):
    code = "nothing_to_print"
    message = "Rien à imprimer."


class SealedVersionUnreadableError(ConflictError):
    """A police sheet is printed from the sealed version only: one that cannot be read back
    intact is not replaced by the live lot."""

    code = "sealed_version_unreadable"
    message = ("La version scellée de ce lot est illisible ou ne correspond plus à son empreinte : "
               "lancez la vérification des registres (Conformité).")


class NotAPurchaseLotError(ConflictError):
    code = "not_a_purchase_lot"
    message = "Le bordereau d'achat ne concerne que les lots achetés, pas les lots en confié."


class TooManyToPrintError(BusinessRuleError):
    code = "too_many_to_print"
    message = "Trop d'éléments pour une seule impression : précisez les filtres."


# Year end (chalicelib/services/jobs.py, declarations.py, archives.py)
class ArchiveLimitError(ConflictError):
    code = "archive_limit"
    message = "Sept sauvegardes et clôtures au plus : supprimez-en une avant d'en créer une autre."


class DeclarationBlockedError(BusinessRuleError):
    code = "declaration_blocked"
    message = "Le fichier 2093 serait rejeté : corrigez d'abord les fiches signalées."


class InvalidKeyError(ValidationError):
    code = "invalid_key"
    message = "Clé publique OpenPGP illisible : envoyez la clé « armored » fournie par la DGFiP."


# Fiscal archives (chalicelib/services/fiscal_archives.py)
class NothingToArchiveError(ConflictError):
    code = "period_before_first_record"
    message = ("Cette période précède de plus d'un an le premier enregistrement scellé de l'entreprise : "
               "il n'y a rien à archiver.")


class PeriodNotClosedError(ConflictError):
    code = "period_not_closed"
    message = "Cette période n'est pas encore clôturée : son archive fiscale se constitue après sa clôture de caisse."


class FiscalArchiveExistsError(ConflictError):
    code = "fiscal_archive_exists"
    message = "L'archive fiscale de cette période est déjà constituée : téléchargez-la."


class FiscalArchiveNotReadyError(ConflictError):
    code = "fiscal_archive_not_ready"
    message = "L'archive fiscale de cette période n'est pas prête : attendez la fin de sa constitution."


class FiscalArchiveNotFoundError(NotFoundError):
    code = "fiscal_archive_not_found"
    message = "Aucune archive fiscale pour cette période."


class FiscalArchiveAlteredError(ConflictError):
    """The stored zip or manifest is no longer what the ``archive_built`` event sealed."""

    code = "fiscal_archive_altered"
    message = ("L'archive fiscale stockée ne correspond plus à l'empreinte scellée lors de sa constitution : "
               "elle n'est pas remise. L'anomalie est consignée au journal des événements ; lancez la "
               "vérification des registres (Conformité).")


class ClosingNotSealedError(ConflictError):
    code = "closing_not_sealed"
    message = ("La clôture de la période n'est pas encore scellée : l'archive n'a pas été constituée. "
               "Réessayez dans quelques minutes.")


class FiscalArchiveSourceError(BusinessRuleError):
    """The vault does not hold what the index says: nothing is archived from it."""

    code = "fiscal_archive_source"
    message = ("Un enregistrement scellé de la période est illisible ou ne correspond plus à son empreinte : "
               "lancez la vérification des registres (Conformité) ; aucune archive n'a été constituée.")


# Media (chalicelib/services/media.py)
class MediaTypeError(ValidationError):
    code = "media_type_not_allowed"
    message = "Ce type de fichier n'est pas accepté."


class MediaTooLargeError(ValidationError):
    code = "media_too_large"
    message = "Fichier trop volumineux."


class MediaLimitError(ConflictError):
    code = "media_limit"
    message = "Cent médias au plus par fiche : supprimez-en un avant d'en ajouter un autre."


# Training mode (chalicelib/domain/training.py)
class TrainingModeError(ConflictError):
    """A real write asked in training mode: only the till's fictitious sales run."""

    code = "training_mode"
    message = ("Désactivez le mode formation pour effectuer cette opération : en formation, seules les "
               "ventes fictives de la caisse sont possibles.")


# Purchases: drafts, lot commits, corrections (chalicelib/services/lots.py)
class IncompleteDraftError(ValidationError):
    code = "incomplete_draft"
    message = "Le lot en cours de saisie est incomplet."


class InvalidCsvError(ValidationError):
    code = "invalid_csv"
    message = "Le fichier contient des lignes invalides : rien n'a été importé."


class LotTotalMismatchError(BusinessRuleError):
    code = "lot_total_mismatch"


class CashMetalPurchaseError(BusinessRuleError):
    code = "cash_metal_purchase"
    message = ("Achat de métaux refusé en espèces (art. L112-6 du code monétaire et financier) : "
               "choisissez un autre moyen de paiement.")


class DateBeforeCreationYearError(BusinessRuleError):
    code = "date_before_creation_year"


class TooManyArticlesError(BusinessRuleError):
    code = "too_many_articles"
    message = "Un lot compte au plus 999 articles."


class PoliceIdentityIncompleteError(BusinessRuleError):
    code = "police_identity_incomplete"
    message = "L'identité du vendeur est incomplète pour le livre de police."


class MetalSellerUnidentifiedError(BusinessRuleError):
    code = "metal_seller_unidentified"
    message = ("Achat de métaux refusé : l'identité du vendeur est incomplète (art. R321-3 du code pénal). "
               "Complétez la fiche du fournisseur.")


class NoWeightToDistributeError(BusinessRuleError):
    code = "no_weight"


class ReferenceUnavailableError(BusinessRuleError):
    code = "reference_unavailable"


class ReasonRequiredError(ValidationError):
    code = "reason_required"
    message = "Indiquez le motif de la correction : il est conservé dans les traces."


class AlreadyRetractedError(ConflictError):
    code = "already_retracted"
    message = "Ce lot est déjà rétracté."


# Bulk actions and idempotency (chalicelib/services/actions.py)
class EmptySelectionError(ValidationError):
    code = "empty_selection"
    message = "Aucun article sélectionné."


class InvoiceNumberRequiredError(BusinessRuleError):
    code = "invoice_number_required"
    message = "La facturation automatique est désactivée : saisissez le numéro de facture."


class InvoiceNumberTakenError(ConflictError):
    code = "invoice_number_taken"
    message = "Ce numéro de facture est déjà utilisé."


class RetriesExhaustedError(ConflictError):
    """An action found its numbers moved by others on every one of its attempts (409, unlike
    the 503 of :class:`ServiceBusyError`, which AWS throttling gives)."""

    code = "busy"
    message = "Beaucoup d'opérations simultanées : réessayez dans un instant."


class IdempotencyKeyReusedError(BusinessRuleError):
    code = "idempotency_key_reused"
    message = "Cette clé d'idempotence a déjà servi pour une autre requête."


class RequestInProgressError(ConflictError):
    code = "request_in_progress"
    message = "La même requête est déjà en cours de traitement."


# Sealed records (chalicelib/services/compliance.py)
class SealedRecordNotFoundError(NotFoundError):
    code = "sealed_record_not_found"
    message = "Enregistrement scellé introuvable."


# Number sequences and subscriber references (adapters/repositories)
class CounterMovedError(ConflictError):
    """A number sequence moved between the read and the write: retry."""

    code = "concurrent_change"
    message = "Une autre opération vient d'avoir lieu : réessayez."


class TooWideWriteError(ValidationError):
    """A write whose last transaction has no room left for articles (chalicelib/adapters/unit_of_work.py):
    too many Σ buckets (months of sale, statuses) moved at once."""

    message = ("Trop d'articles de périodes et de statuts différents en une seule action : "
               "faites-la en plusieurs fois.")


class SubscriberRefTakenError(ConflictError):
    code = "subscriber_ref_taken"
