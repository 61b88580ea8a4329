# The provider reads NCLOUD_ACCESS_KEY and NCLOUD_SECRET_KEY from the
# environment; keep the secret key out of configuration files.
provider "ncloud" {
  site   = "public" # public, gov or fin
  region = "KR"     # public: KR, SGN, JPN; gov: KR, KRS; fin: FKR
}
