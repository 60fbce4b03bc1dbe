"""The verification screen lists, in French, what was changed behind the application's
back: an article's description edited straight in the local stack's DynamoDB."""

from __future__ import annotations

import json

import boto3
import pytest
from playwright.sync_api import Page, expect

from tests.e2e.browser.helpers import Shop, shoot, sign_in
from tests.e2e.conftest import RunningStack

pytestmark = pytest.mark.e2e


def test_the_verification_screen_lists_each_divergence_with_sealed_and_live_values(
        page: Page, stack: RunningStack) -> None:
    shop = Shop(stack.api())
    lot = shop.lot([{"description": "Commode Louis XV", "purchase_price": "300.00"}])
    ref = lot["articles"][0]["ref"]
    ddb = boto3.client("dynamodb", endpoint_url=f"http://127.0.0.1:{stack.aws_port}", region_name="eu-west-3",
                       aws_access_key_id="testing", aws_secret_access_key="testing")
    key = {"tenant_id": {"S": shop.tenant.tenant_id}, "ref": {"S": ref}}
    item = ddb.get_item(TableName="lotbook-local-articles", Key=key, ConsistentRead=True)["Item"]
    data = json.loads(item["data"]["S"])
    data["description"] = "Commode moderne"
    ddb.update_item(TableName="lotbook-local-articles", Key=key, UpdateExpression="SET #d = :d",
                    ExpressionAttributeNames={"#d": "data"}, ExpressionAttributeValues={":d": {"S": json.dumps(data)}})

    sign_in(page, shop.email)
    page.goto("/#/conformite")
    page.get_by_role("button", name="Vérifier l'intégrité des registres").click()
    expect(page.get_by_role("alert").first).to_contain_text("Vérification en échec")
    gaps = page.get_by_role("region", name="Écarts entre la base et le registre scellé")
    expect(gaps).to_contain_text(f"Article {ref}")
    expect(gaps).to_contain_text("Désignation")
    expect(gaps).to_contain_text("Commode Louis XV")  # valeur scellée
    expect(gaps).to_contain_text("Commode moderne")  # valeur actuelle
    expect(page.get_by_role("heading", name="Écart entre la base et le registre scellé")).to_be_visible()
    shoot(page, "42b-conformite-ecarts")
