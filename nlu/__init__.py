"""Finnish/Swedish intent classification for the lähitori guidance bot."""
