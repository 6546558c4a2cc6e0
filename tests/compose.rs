//! docker-compose.yml describes a system that trades: its schema is valid and its services, started as local processes with their environments, quote both markets.
