import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
READERS = re.compile(r"env_(?:str|bool|int|list)\(\s*\"([A-Z_]+)\"")


def test_every_variable_the_settings_read_is_documented_in_env_example():
    read = set(READERS.findall((ROOT / "config" / "settings.py").read_text()))
    documented = set(re.findall(r"^([A-Z_]+)=", (ROOT / ".env.example").read_text(), re.M))
    assert read, "no environment variables found: the pattern above needs updating"
    assert read - documented == set()
