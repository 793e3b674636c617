"""Chinese word segmentation (jieba) for linking and for comparing texts, set up once per process."""
from __future__ import annotations

import logging
import os
import re
import tempfile
import threading
import unicodedata
from typing import Any

_lock = threading.Lock()
_tokenizer: Any = None

_CJK_RUN = re.compile(r"[\u3400-\u9fff]+")
_WORD = re.compile(r"[\u3400-\u9fff]{2,}|[a-z0-9]{2,}")
# Words that say nothing about which matter a text concerns.
STOP_WORDS = frozenset([
    "我们", "你们", "他们", "这个", "那个", "一个", "没有", "什么", "怎么", "为什么", "如何", "现在",
    "已经", "还是", "但是", "因为", "所以", "如果", "可以", "问题", "情况", "反映", "群众", "有关",
    "相关", "部门", "进行", "目前", "一直", "今年", "去年", "这里", "那里", "这些", "那些", "不是",
    "就是", "还有", "以及", "或者", "并且", "而且", "希望", "要求", "请求", "请问", "领导", "关于",
])


def tokenizer() -> Any:
    """The process's jieba tokenizer, initialised on first use, quietly, caching in a temp dir."""
    global _tokenizer
    if _tokenizer is None:
        with _lock:
            if _tokenizer is None:
                import jieba

                jieba.setLogLevel(logging.WARNING)
                logging.getLogger("jieba").setLevel(logging.WARNING)
                instance = jieba.Tokenizer()
                # jieba writes its prefix-dictionary cache; keep it out of the working directory.
                cache_dir = os.path.join(tempfile.gettempdir(), "duban-jieba")
                os.makedirs(cache_dir, exist_ok=True)
                instance.tmp_dir = cache_dir
                instance.initialize()
                _tokenizer = instance
    return _tokenizer


def normalise(text: str) -> str:
    """NFKC (full-width to ASCII) and lower case, so 河东区 and ＡＢＣ compare as written."""
    return unicodedata.normalize("NFKC", text or "").lower()


def tokens(text: str, singles: bool = True) -> list[str]:
    """Words (search-mode segmentation), Chinese character pairs and single characters of ``text``.

    Pairs and single characters let paraphrases that share no whole word still
    overlap (吃水 and 饮水 share 水); TF-IDF keeps common characters from counting much.
    bench/tip_linking.py measured each part: single characters lift top-3 matter
    accuracy from about 0.82 to about 0.93.
    """
    clean = normalise(text)
    words = [word for word in tokenizer().lcut_for_search(clean)
             if _WORD.fullmatch(word) and word not in STOP_WORDS]
    runs = _CJK_RUN.findall(clean)
    pairs = ["§" + run[i:i + 2] for run in runs for i in range(len(run) - 1)]
    if not singles:
        return words + pairs
    return words + pairs + ["¤" + char for run in runs for char in run]
