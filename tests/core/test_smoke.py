def test_home_page_is_indonesian_by_default(client, world):
    response = client.get("/")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert 'lang="id"' in page
    assert "Sentra Jombang" in page
