package token

// PrefixBootstrap marks the generated bootstrap admin token.
const PrefixBootstrap = "tgb_"
