"""To-dos and notifications (待办与通知): pure data and rules.

- ``model``: a user's to-do list (待办) by group, in-app notifications (站内通知), webhooks (群机器人)
  and deliveries (投递) with their attempts;
- ``rules``: which deadline reminder is due (提前 N 天提醒), the retry backoff, the webhook's
  signature (HMAC-SHA256, docs/notifications.md) and message, and which webhooks an event goes to.
"""
