// The key vault on a real RocksDB: one durable data key per subject, wrapped by the KEK, usable to open what
// ingest sealed, and unusable with another KEK.

#include "projections/vault_store.h"

#include "gtest/gtest.h"
#include "projections/store.h"
#include "tests/testing/temp_dir.h"

namespace pdl {
namespace {

TEST(VaultStoreTest, OneKeyPerSubjectSurvivesReopenAndOpensSealedIdentity) {
  testing::TempDir tmp;
  auto kek = vault::GenerateKey();
  ASSERT_TRUE(kek.ok());
  pdl::v1::SealedIdentity sealed;
  {
    auto store = Store::Open({.path = tmp.path() + "/db"});
    ASSERT_TRUE(store.ok());
    VaultStore vault(store->get(), *kek);
    auto first = vault.DataKeyFor("subject-1");
    auto again = vault.DataKeyFor("subject-1");
    auto other = vault.DataKeyFor("subject-2");
    ASSERT_TRUE(first.ok() && again.ok() && other.ok());
    EXPECT_EQ(first->first, 1u);
    EXPECT_EQ(first->second.bytes, again->second.bytes);
    EXPECT_NE(first->second.bytes, other->second.bytes);
    pdl::v1::Identity identity;
    identity.set_email("a@example.org");
    auto s = vault::SealIdentity(first->second, first->first, identity, "evt-1");
    ASSERT_TRUE(s.ok());
    sealed = *s;
  }
  auto store = Store::Open({.path = tmp.path() + "/db"});
  ASSERT_TRUE(store.ok());
  VaultStore vault(store->get(), *kek);
  auto key = vault.Find("subject-1", sealed.key_version());
  ASSERT_TRUE(key.ok() && key->has_value());
  auto opened = vault::OpenIdentity(**key, sealed, "evt-1");
  ASSERT_TRUE(opened.ok());
  EXPECT_EQ(opened->email(), "a@example.org");
  auto missing = vault.Find("subject-3", 1);
  ASSERT_TRUE(missing.ok());
  EXPECT_FALSE(missing->has_value());

  auto wrong_kek = vault::GenerateKey();
  ASSERT_TRUE(wrong_kek.ok());
  VaultStore wrong(store->get(), *wrong_kek);
  EXPECT_EQ(wrong.Find("subject-1", 1).status().code(), absl::StatusCode::kDataLoss);
}

}  // namespace
}  // namespace pdl
