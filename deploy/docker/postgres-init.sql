-- One database per service (no cross-service joins) and one for Dapr's state store.
CREATE DATABASE message;
CREATE DATABASE image;
CREATE DATABASE payment;
CREATE DATABASE maintenance;
CREATE DATABASE dapr_state;
