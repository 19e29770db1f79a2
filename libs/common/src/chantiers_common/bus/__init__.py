"""RabbitMQ adapter shared by every service: topology, publishing, consuming."""
