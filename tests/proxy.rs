//! The API behind the shipped nginx (deploy/nginx.conf): client address from trusted proxies only, admin rate-limit buckets, WebSocket cap, tokens kept out of access logs.
