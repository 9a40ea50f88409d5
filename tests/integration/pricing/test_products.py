"""The product catalogue: create, list by cursor, bulk upsert, patch, and barcodes that must be GTINs."""

from tests.integration.pricing.conftest import PASTA_EAN, PRODUCTS
from tests.support.factories import login, make_staff


def test_a_product_is_created_read_and_patched_with_its_barcodes(client, marketer):
    created = client.post("/api/v1/products", headers=marketer, json={
        "sku": "MILK-1L", "name": "Milk 1 l", "category": "dairy", "base_price_minor": 119,
        "barcodes": ["96385074"]})
    assert created.status_code == 201, created.json
    assert created.json["barcodes"] == ["96385074"] and created.json["tax_class"] == "standard"
    patched = client.patch("/api/v1/products/MILK-1L", headers=marketer,
                           json={"base_price_minor": 129, "barcodes": ["4006381333931", "96385074"]})
    assert patched.status_code == 200, patched.json
    read = client.get("/api/v1/products/MILK-1L", headers=marketer).json
    assert read["base_price_minor"] == 129 and read["barcodes"] == ["4006381333931", "96385074"]


def test_a_barcode_with_a_wrong_check_digit_is_refused_naming_it(client, marketer):
    response = client.post("/api/v1/products", headers=marketer, json={
        "sku": "EGGS", "name": "Eggs", "category": "dairy", "base_price_minor": 299,
        "barcodes": ["96385074", "4006381333932"]})
    assert response.status_code == 422
    assert response.headers["Content-Type"] == "application/problem+json"
    assert "check digit" in response.json["errors"]["barcodes.1"][0]
    assert client.get("/api/v1/products/EGGS", headers=marketer).status_code == 404


def test_a_barcode_belongs_to_one_product_only(client, marketer, catalogue):
    response = client.patch("/api/v1/products/SAUCE", headers=marketer, json={"barcodes": [PASTA_EAN]})
    assert response.status_code == 409
    assert "PASTA" in response.json["detail"]


def test_bulk_upsert_creates_and_replaces_and_the_list_pages_in_sku_order(client, marketer, catalogue):
    changed = [{**PRODUCTS[0], "base_price_minor": 219}, {"sku": "WATER", "name": "Water", "category": "drinks",
                                                          "base_price_minor": 49}]
    result = client.post("/api/v1/products/bulk", headers=marketer, json={"items": changed})
    assert result.json == {"created": 1, "updated": 1}
    first = client.get("/api/v1/products?limit=4", headers=marketer).json
    second = client.get(f"/api/v1/products?limit=4&cursor={first['next_cursor']}", headers=marketer).json
    skus = [p["sku"] for p in first["items"] + second["items"]]
    assert skus == ["CHIPS", "CIGS", "COLA", "PASTA", "SAUCE", "WATER"] and second["next_cursor"] is None
    assert first["items"][3]["base_price_minor"] == 219 and first["items"][3]["barcodes"] == [PASTA_EAN]


def test_cashiers_read_the_catalogue_but_may_not_change_it(client, services, catalogue):
    make_staff(services, "cal", "cashier")
    cashier = login(client, "cal")
    assert client.get("/api/v1/products/COLA", headers=cashier).status_code == 200
    assert client.patch("/api/v1/products/COLA", headers=cashier, json={"base_price_minor": 1}).status_code == 403
