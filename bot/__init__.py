from bot import lazy_types

# Before any module of ours imports aiogram: its types are then built when first used.
lazy_types.install()
