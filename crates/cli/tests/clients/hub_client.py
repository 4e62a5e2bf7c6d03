"""Asks a running `macaroni serve` the Hub's questions through the real `huggingface_hub` client.

Usage: hub_client.py ENDPOINT QUESTIONS.json  — prints the answers as one JSON document.
QUESTIONS names the models, datasets and listings to ask about; the Rust test that runs this
script compares every answer with what `macaroni search` and `macaroni show` say.
"""

import json
import os
import sys
import tempfile

endpoint, questions_path = sys.argv[1], sys.argv[2]
os.environ["HF_ENDPOINT"] = endpoint
os.environ["HF_HUB_CACHE"] = tempfile.mkdtemp()
os.environ["HF_HUB_DISABLE_TELEMETRY"] = "1"

from huggingface_hub import HfApi, ModelCard  # noqa: E402  (after the environment is set)
from huggingface_hub.errors import RepositoryNotFoundError  # noqa: E402

questions = json.load(open(questions_path))
api = HfApi(endpoint=endpoint)


def model(info):
    card = info.card_data.to_dict() if info.card_data is not None else None
    return {
        "id": info.id,
        "sha": info.sha,
        "pipeline_tag": info.pipeline_tag,
        "library_name": info.library_name,
        "downloads": info.downloads,
        "likes": info.likes,
        "tags": info.tags,
        "card_license": card.get("license") if card else None,
        "siblings": [s.rfilename for s in (info.siblings or [])],
    }


answers = {
    # Every model, through as many Link-header pages as the server's page size makes.
    "all_models": [m.id for m in api.list_models()],
    "listings": [
        [m.id for m in api.list_models(**listing)] for listing in questions["listings"]
    ],
    "models": [model(api.model_info(repo_id)) for repo_id in questions["models"]],
    "cards": [],
    "datasets": [d.id for d in api.list_datasets(limit=questions["dataset_limit"])],
    "dataset_infos": [],
}
for repo_id in questions["cards"]:
    card = ModelCard.load(repo_id)
    answers["cards"].append({"id": repo_id, "license": card.data.license, "text": card.text})
for repo_id in answers["datasets"][:3]:
    info = api.dataset_info(repo_id)
    answers["dataset_infos"].append({"id": info.id, "card_data": info.card_data.to_dict() if info.card_data else None})
try:
    api.model_info(questions["missing"])
    answers["missing"] = "found"
except RepositoryNotFoundError:
    answers["missing"] = "RepositoryNotFoundError"

print(json.dumps(answers))
