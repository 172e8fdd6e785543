"""Plans → tasks (清单化管理): the pure model and parser of plan documents."""
