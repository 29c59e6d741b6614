"""A listener written with DingTalk's official Python Stream SDK (dingtalk-stream 0.24.3), run by
tests/official_stream_sdk.rs against the fake gateway: it prints one JSON line per event and robot
message it is handed, so the test can check that the SDK read the fake's frames as DingTalk's."""

import json
import os

import dingtalk_stream
from dingtalk_stream import AckMessage


class Events(dingtalk_stream.EventHandler):
    async def process(self, event):
        print(json.dumps({"event": event.headers.event_type, "event_id": event.headers.event_id,
                          "data": event.data}), flush=True)
        return AckMessage.STATUS_OK, "OK"


class Robot(dingtalk_stream.ChatbotHandler):
    async def process(self, callback):
        message = dingtalk_stream.ChatbotMessage.from_dict(callback.data)
        # The SDK's own reply: a POST to the message's sessionWebhook.
        self.reply_text("pong:" + message.text.content, message)
        print(json.dumps({"robot": message.text.content, "sender": message.sender_staff_id}), flush=True)
        return AckMessage.STATUS_OK, "OK"


credential = dingtalk_stream.Credential(os.environ["STREAM_APP_KEY"], os.environ["STREAM_APP_SECRET"])
client = dingtalk_stream.DingTalkStreamClient(credential)
client.register_all_event_handler(Events())
client.register_callback_handler(dingtalk_stream.ChatbotMessage.TOPIC, Robot())
client.start_forever()
